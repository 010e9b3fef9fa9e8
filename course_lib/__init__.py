"""course_lib: the reference library of the course "Optimizers from SGD to RAdam".

- ``optim``: the optimizers, one small class per algorithm, verified against torch.optim
- ``schedules``: learning-rate schedules, verified against torch.optim.lr_scheduler
- ``landscapes``: 2-D test functions with analytic gradients, Reddi et al.'s online problem, and
  lesson 04's changing bowl
- ``data``: scikit-learn's bundled datasets, standardized and split; seeded mini-batches
- ``models``: NumPy models with hand-written backprop, and ``train``
- ``plots``: contour plots with trajectories, loss curves, offline animations
- ``theory``: the quantities the lessons derive (step bounds, rates, rectification, ...), one module per idea
- ``widgets``: the lessons' interactive explorers, which draw them
"""

__version__ = "0.1.0"
