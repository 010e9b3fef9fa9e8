"""Templates the grader writes into the children's view of course_lib (see ../sandbox.py)."""
