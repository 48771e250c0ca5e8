"""Step functions for the audit time-limit tests: one never returns (and swallows exceptions),
one is a correct leapfrog that is slow (a fixed sleep per call)."""
import time

SLOW_SECONDS = 0.05


def never_returns(q, p, eps, grad_U):
    while True:
        try:
            time.sleep(100)
        except Exception:  # a step that swallows errors must still be stopped
            pass


def slow_leapfrog(q, p, eps, grad_U):
    time.sleep(SLOW_SECONDS)
    p = p - 0.5 * eps * grad_U(q)
    q = q + eps * p
    return q, p - 0.5 * eps * grad_U(q)
