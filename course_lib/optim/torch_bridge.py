"""torch.optim behind course_lib's contract, to run both on the same model.

    opt = TorchOptimizer(torch.optim.Adam, lr=1e-3)
    state = opt.init(params)                        # params: dict of NumPy arrays
    params, state = opt.step(params, grads, state)  # torch.optim does the update

The NumPy arrays are copied into tensors once (in ``init``); each step hands
torch the gradients, lets torch.optim update its tensors, and returns copies
as NumPy arrays. Unlike course_lib's optimizers the state is a live torch
optimizer, so a state must not be reused after a later step (it is the
torch side of a comparison, not a teaching implementation).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._base import as_arrays, check_grads_match, check_params


class TorchState(NamedTuple):
    t: int
    optimizer: object        # the torch.optim.Optimizer
    tensors: object          # dict name -> torch.nn.Parameter, or one Parameter


class TorchOptimizer:
    def __init__(self, torch_class, **hyperparameters):
        self.torch_class = torch_class
        self.hyperparameters = hyperparameters

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        return f"TorchOptimizer(torch.optim.{self.torch_class.__name__}, {args})"

    def with_lr(self, lr: float) -> "TorchOptimizer":
        return TorchOptimizer(self.torch_class, **{**self.hyperparameters, "lr": lr})

    def init(self, params) -> TorchState:
        import torch

        params = as_arrays(params)
        check_params(params)
        if isinstance(params, dict):
            tensors = {k: torch.nn.Parameter(torch.from_numpy(v.copy())) for k, v in params.items()}
            listed = list(tensors.values())
        else:
            tensors = torch.nn.Parameter(torch.from_numpy(params.copy()))
            listed = [tensors]
        return TorchState(0, self.torch_class(listed, **self.hyperparameters), tensors)

    def step(self, params, grads, state: TorchState):
        import torch

        params, grads = as_arrays(params), as_arrays(grads)
        check_params(params)
        check_grads_match(params, grads)
        for group in state.optimizer.param_groups:  # a schedule may have changed lr
            group["lr"] = self.hyperparameters.get("lr", group["lr"])
        pairs = state.tensors.items() if isinstance(params, dict) else [(None, state.tensors)]
        for name, tensor in pairs:
            tensor.grad = torch.from_numpy(np.array(grads if name is None else grads[name]))
        state.optimizer.step()
        if isinstance(params, dict):
            new = {k: t.detach().numpy().copy() for k, t in state.tensors.items()}
        else:
            new = state.tensors.detach().numpy().copy()
        return new, TorchState(state.t + 1, state.optimizer, state.tensors)
