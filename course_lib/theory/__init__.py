"""The quantities the lessons derive, one module per idea.

The lessons, the explorers of ``course_lib.widgets`` (which only draw) and the
tests import them from here, a module at a time::

    from course_lib.theory.step_bounds import paper_step_bound

Worksheets ask students for some of these quantities, so they live apart from
the helpers a submission may use: a grader can withhold this package whole.

- ``sgd_rates``: which step sizes make SGD converge (Robbins-Monro) and how fast: c/t, the constant-step floor,
  the convex averaged bound (lesson 01)
- ``outcomes``: how a run ended: diverged at which step, or how far from the nearest minimum (lesson 00)
- ``momentum_rates``: the convergence rate of heavy-ball and Nesterov momentum on a quadratic,
  and the optimal heavy ball (lesson 02)
- ``acceleration``: Nesterov's and gradient descent's guaranteed gaps on smooth convex and strongly convex
  functions, and Nesterov's momentum sequence (lesson 02)
- ``heavy_ball_counterexample``: Lessard, Recht and Packard's smooth, strongly convex function on which the
  quadratic-optimal heavy ball cycles (lesson 02)
- ``regret``: AdaGrad's and online gradient descent's regret bounds, and the best point in a box (lesson 03)
- ``moving_averages``: the weights a zero-started exponential moving average gives its samples
  (lessons 04 and 06)
- ``step_bounds``: how large a step Adam (lesson 05) and AdaMax (lesson 07) can take, in units of lr
- ``lp_moments``: AdaMax's L^p moment and its limit p -> infinity, the decayed maximum (lesson 07)
- ``rectification``: RAdam's first rectified step, its r_t as a warmup, and linear warmup (lesson 09)
- ``sgd_noise``: where SGD with noisy gradients settles at a constant learning rate (lesson 11)
- ``lookahead``: what one Lookahead cycle does on a quadratic, and its largest stable lr (lesson 10)
- ``weight_decay``: SGDW against an L2 penalty, and the normalized weight decay (lesson 10)
- ``swats``: SWATS's SGD learning rate from Adam's steps (lesson 11)
- ``race``: the protocol of the capstone's optimizer race: one run, a learning-rate sweep (lesson 12)
- ``lr_diagnostics``: two practical checks of a learning rate on the race's network, CS231n's update-to-weight
  ratio and the learning-rate range test (lesson 12)
- ``reddi_counterexamples``: Theorem 1's setting, Theorem 3's stochastic gradients, and Gamma_t, which Adam's
  convergence proof needs >= 0 (lesson 08)
- ``sweeps``: the best value of a sweep, refusing the grid's edge (every lesson that reports a tuned value)

What the explorers run, kept here so that lessons and tests can run and check it too (each
cached where an explorer asks for the same run again as other controls move):

- ``landscape_runs``: any of five optimizers, by name, on a test landscape; its loss gap and how
  the run ended, in words (lesson 00)
- ``gd_quadratic``: when gradient descent converges on a quadratic and how fast (lesson 01)
- ``minibatch_noise``: mini-batch SGD on the two-weight diabetes regression and its gradient
  variance (lesson 01)
- ``momentum_runs``: heavy ball, Nesterov and gradient descent on the narrow valley (lesson 02)
- ``diagonal_scaling``: where AdaGrad's per-coordinate steps help (aligned valley, rare feature)
  and where they cannot (a turned valley), and the ceiling lr / (sqrt(G_0) + eps) (lesson 03)
- ``effective_steps``: RMSProp's and AdaGrad's effective step size lr / (sqrt(v_t) + eps) along a
  run, and the memory 1 / (1 - beta2) (lesson 04)
- ``zero_start``: the weight a zero-started average keeps on v_0, and simulated v_t (lesson 06)
- ``lp_limit``: how fast v_t^(1/p) reaches u_t (lesson 07)
- ``step_sizes``: step lengths along a path in units of lr, and AdaMax's bound curve (lesson 07)
- ``reddi_game``: Adam and AMSGrad playing Reddi et al.'s game, and the Theorem 1 sentence (lesson 08)
- ``radam_warmup``: how much learning rate RAdam and a linear warmup hold back, and the short
  digits runs (lesson 09)
- ``lookahead_runs``: Lookahead around a named inner optimizer, and that optimizer alone, on the
  narrow valley (lesson 10)
- ``tuning_gain``: what tuning Adam's learning rate buys in the race, read from the race's own
  runs (lesson 12)

Lesson 04's changing bowl is a problem to run optimizers on, not a quantity,
and worksheet 04 hands it to students: it lives with the other problems, in
``course_lib.landscapes``.
"""
