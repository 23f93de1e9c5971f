"""`python -m sim ...` is the same as `sim ...`."""

from sim.cli import main

if __name__ == "__main__":
    main()
