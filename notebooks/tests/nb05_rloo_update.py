OK_FORMAT = True

# Exercise 5 of notebook 05: the RLOO advantages and the policy-gradient loss of one group of
# G answers to a prompt, as thermo_rl.llm.rl.finetune uses them (one on-policy update, the
# token-mean ("dapo") aggregation). Checked by hand, against the package's own
# compute_advantages and policy_loss_tokens (values and gradients), and by enumerating every
# group of samples of a small softmax policy: the expected update is the exact gradient of <r>.
test = {
    "name": "nb05_rloo_update",
    "points": 4,
    "suites": [
        {
            "cases": [
                {
                    "code": r"""
>>> import torch
>>> a = torch.as_tensor(rloo_advantages(torch.tensor([1.0, 0.0, 0.0, 1.0]))).double()
>>> bool(torch.allclose(a, torch.tensor([2 / 3, -2 / 3, -2 / 3, 2 / 3], dtype=torch.float64)))
True
>>> bool(torch.all(torch.as_tensor(rloo_advantages(torch.ones(5))) == 0))
True
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "By hand: for rewards (1, 0, 0, 1), work out on paper "
                    "which rewards enter each sample's baseline and what its advantage is, then "
                    "compare with what your function returns; a group whose rewards are all "
                    "equal carries no signal (every advantage 0).",
                    "success_message": "RLOO advantages by hand",
                },
                {
                    "code": r"""
>>> import torch
>>> from thermo_rl.llm.loss import compute_advantages
>>> g = torch.Generator().manual_seed(5)
>>> r = torch.randint(0, 2, (7,), generator=g).double() + torch.rand(7, generator=g, dtype=torch.float64)
>>> ours = torch.as_tensor(rloo_advantages(r)).double()
>>> pkg = compute_advantages(r[None], estimator="rloo", scale_rewards="none")[0]
>>> bool(torch.allclose(ours, pkg)), tuple(ours.shape)
(True, (7,))
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Against thermo_rl.llm.loss.compute_advantages("
                    "estimator='rloo', scale_rewards='none') on 7 real-valued rewards: return "
                    "one advantage per sample (shape (G,)), without dividing by a std.",
                    "success_message": "the same advantages as the package's compute_advantages",
                },
                {
                    "code": r"""
>>> import torch
>>> from thermo_rl.llm.loss import policy_loss_tokens
>>> g = torch.Generator().manual_seed(11)
>>> logp = (-3 * torch.rand(6, 4, generator=g, dtype=torch.float64)).requires_grad_()
>>> mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 1, 0], [1, 0, 0, 0], [1, 1, 1, 1], [1, 1, 0, 0]], dtype=torch.float64)
>>> adv = torch.tensor([0.5, -1.0, 0.25, 2.0, -0.75, 0.0], dtype=torch.float64)
>>> (g1,) = torch.autograd.grad(pg_loss(logp, adv, mask), logp)
>>> ref, _ = policy_loss_tokens(logp, None, adv, mask, loss_type="dapo")
>>> (g2,) = torch.autograd.grad(ref, logp)
>>> bool(torch.allclose(g1, g2)), bool(torch.all(g1[mask == 0] == 0))
(True, True)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "The gradient of your loss with respect to the token "
                    "log-probabilities must equal that of the package's loss "
                    "(policy_loss_tokens, one on-policy update, loss_type='dapo'): "
                    "d loss / d logp[i, t] = -A_i mask[i, t] / sum(mask). Minimizing the loss "
                    "must raise the log-probability of answers with A > 0 (mind the sign); "
                    "padding tokens (mask 0) get no gradient; the advantages are constants "
                    "(no gradient flows into them).",
                    "success_message": "the same gradient as the package's policy loss",
                },
                {
                    "code": r"""
>>> import itertools
>>> import torch
>>> z = torch.tensor([0.4, -0.3, 1.1, 0.0], dtype=torch.float64, requires_grad=True)
>>> r = torch.tensor([1.0, 0.0, 1.0, 0.0], dtype=torch.float64)
>>> pi = torch.softmax(z, 0)
>>> (exact,) = torch.autograd.grad((pi * r).sum(), z)
>>> G, total = 3, torch.zeros(4, dtype=torch.float64)
>>> for group in itertools.product(range(4), repeat=G):
...     idx = torch.tensor(group)
...     weight = float(torch.prod(pi[idx]))
...     logp = torch.log_softmax(z, 0)[idx][:, None]
...     adv = torch.as_tensor(rloo_advantages(r[idx])).double()
...     (grad,) = torch.autograd.grad(pg_loss(logp, adv, torch.ones(G, 1, dtype=torch.float64)), z)
...     total += weight * grad
>>> bool(torch.allclose(-total, exact, atol=1e-12))
True
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Enumerating every group of G = 3 answers from a "
                    "4-answer softmax policy (64 groups, each weighted by its probability), "
                    "the expected gradient of your loss must be minus the exact gradient of "
                    "<r> = sum_a pi_a r_a: the RLOO baseline leaves the policy gradient "
                    "unbiased. A baseline that includes the sample itself (the group mean "
                    "without GRPO's division by the std, as in Dr. GRPO) shrinks it by "
                    "(G - 1)/G; a sum over tokens instead of the mean over valid "
                    "tokens scales it by the number of tokens.",
                    "success_message": "the expected update is the exact gradient of <r> "
                    "(enumerated over every group)",
                },
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
