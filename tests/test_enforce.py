"""Pruned weights stay exactly zero through optimizer steps, moments and weight decay."""

import pytest
import torch
from torch import nn

from ganbench.pruning.enforce import MaskEnforcer


def make_model_and_mask(seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    weights = {"0.weight": model[0].weight, "2.weight": model[2].weight}
    generator = torch.Generator().manual_seed(seed)
    masks = {name: torch.rand(w.shape, generator=generator) > 0.6 for name, w in weights.items()}
    return model, weights, masks


def train_steps(model, optimizer, steps=20):
    for _ in range(steps):
        loss = model(torch.randn(32, 8)).pow(2).mean() + model(torch.randn(32, 8)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda p: torch.optim.Adam(p, lr=1e-2, weight_decay=0.1),
        lambda p: torch.optim.AdamW(p, lr=1e-2, weight_decay=0.1),
        lambda p: torch.optim.SGD(p, lr=1e-2, momentum=0.9, weight_decay=0.1),
    ],
    ids=["adam-l2", "adamw", "sgd-momentum"],
)
def test_pruned_weights_stay_zero_after_steps(make_optimizer):
    model, weights, masks = make_model_and_mask()
    optimizer = make_optimizer(model.parameters())
    train_steps(model, optimizer, steps=3)  # optimizer state exists before pruning
    enforcer = MaskEnforcer(weights, masks)
    enforcer.apply()
    enforcer.attach(optimizer)
    before = {name: w.detach().clone() for name, w in weights.items()}
    train_steps(model, optimizer)
    for name, weight in weights.items():
        assert torch.all(weight[~masks[name]] == 0), name
        assert not torch.equal(weight[masks[name]], before[name][masks[name]]), f"{name} kept weights did not train"


def test_adam_moments_cleared_at_pruned_positions():
    model, weights, masks = make_model_and_mask(1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    train_steps(model, optimizer, steps=3)
    enforcer = MaskEnforcer(weights, masks)
    enforcer.apply()
    enforcer.attach(optimizer)
    for name, weight in weights.items():
        state = optimizer.state[weight]
        assert torch.all(state["exp_avg"][~masks[name]] == 0)
        assert torch.all(state["exp_avg_sq"][~masks[name]] == 0)
    train_steps(model, optimizer, steps=5)
    for name, weight in weights.items():
        state = optimizer.state[weight]
        assert torch.all(state["exp_avg"][~masks[name]] == 0)
        assert torch.all(state["exp_avg_sq"][~masks[name]] == 0)


def test_detach_stops_enforcement():
    model, weights, masks = make_model_and_mask(2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    enforcer = MaskEnforcer(weights, masks)
    enforcer.apply()
    enforcer.attach(optimizer)
    enforcer.detach()
    train_steps(model, optimizer, steps=5)
    revived = sum(int((w[~masks[n]] != 0).sum()) for n, w in weights.items())
    assert revived > 0


def test_mask_shape_mismatch_raises():
    model, weights, masks = make_model_and_mask()
    masks["0.weight"] = masks["0.weight"].T
    with pytest.raises(ValueError, match="shape"):
        MaskEnforcer(weights, masks)
