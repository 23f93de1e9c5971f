"""`sim report`: one self-contained HTML file on runs and attributions, for reviewers and briefs."""
