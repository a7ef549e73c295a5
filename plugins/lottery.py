"""Lottery tickets: iterative magnitude pruning with rewinding to early weights.

Frankle & Carbin, "The lottery ticket hypothesis: finding sparse, trainable neural networks",
ICLR 2019, with rewinding to an early point of training instead of initialization (Frankle,
Dziugaite, Roy & Carbin, "Linear mode connectivity and the lottery ticket hypothesis", ICML
2020). Each of ``rounds`` rounds prunes the lowest-|w| weights of the current network to
1 − (1 − s)^(i / rounds), resets both networks to the snapshot the baseline saved after 5 % of
its training, re-applies the masks and trains with fresh optimizers for its share of the
fine-tuning budget. The rounds together spend exactly the budget every method gets.
"""

from ganbench import hookimpl
from ganbench.pruning import PruningMethod


class LotteryTicket(PruningMethod):
    name = "lottery"
    description = "iterative |w| pruning with rewinding to early weights (Frankle et al., 2019, 2020)"
    schedule = "rewinding"

    def score(self, context):
        return {name: weight.detach().abs() for name, weight in context.weights.items()}


@hookimpl
def ganbench_register_methods(register):
    register(LotteryTicket)
