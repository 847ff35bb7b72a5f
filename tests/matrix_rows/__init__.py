"""Authorization-matrix rows per area, merged by tests/test_authorization_matrix.py."""
