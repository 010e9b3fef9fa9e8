"""The course's reference optimizers: pure NumPy, verified step by step against torch.optim.

Every optimizer follows one contract (see ``_base``)::

    opt = Adam(lr=1e-3)
    state = opt.init(params)
    params, state = opt.step(params, grads, state)

Names, hyperparameters and defaults are torch.optim's. The papers' own forms,
where they differ from torch, have their own names: ``SGDSutskever``,
``AdamEfficient``, ``AMSGradPaper``, ``AdamaxPaper``, ``RAdamPaper``.
"""

from ._base import Optimizer, bias_correction
from .adadelta import Adadelta, AdadeltaState
from .adagrad import Adagrad, AdagradState
from .adam import AMSGrad, AMSGradPaper, Adam, AdamEfficient, AdamState, AdamW
from .adamax import Adamax, AdamaxPaper, AdamaxState
from .lamb import LAMB, trust_ratio
from .lookahead import Lookahead, LookaheadState
from .nadam import NAdam, NAdamState, nadam_momentum
from .radam import RAdam, RAdamPaper, RAdamState, rectification, rho_inf, rho_t
from .rmsprop import RMSprop, RMSpropState
from .sgd import SGD, SGDState, SGDSutskever, VelocityState

# The spellings the lessons use.
AdaGrad = Adagrad
RMSProp = RMSprop
AdaDelta = Adadelta
AdaMax = Adamax

__all__ = [
    "Optimizer", "bias_correction",
    "SGD", "SGDSutskever", "Adagrad", "RMSprop", "Adadelta",
    "Adam", "AdamW", "AMSGrad", "AdamEfficient", "AMSGradPaper",
    "Adamax", "AdamaxPaper", "NAdam", "RAdam", "RAdamPaper", "LAMB", "Lookahead",
    "AdaGrad", "RMSProp", "AdaDelta", "AdaMax",
    "SGDState", "VelocityState", "AdagradState", "RMSpropState", "AdadeltaState", "AdamState",
    "AdamaxState", "NAdamState", "RAdamState", "LookaheadState",
    "nadam_momentum", "rho_inf", "rho_t", "rectification", "trust_ratio",
]
