"""Attribution (`sim attribute A B`): the difference between two scenarios split among the determinant groups and
dated changes in which they differ, by Shapley values over every combination of them, run as a sweep."""
