"""Codes and parameter layouts of the built-in 1D potential families u(x).

A product target in dimension d has potential U(q) = sum_j u(q_j). The kernels receive a
family code, a flat float64 ``params`` array and a sorted float64 ``kinks`` array:

=====================  ====  =======================================  ==========================
family                 code  params                                   u(x)
=====================  ====  =======================================  ==========================
piecewise quadratic    0     curv[K+1], slope[K+1], offset[K+1]       curv_i x^2/2 + slope_i x
                                                                      + offset_i on piece i
power                  1     alpha, scale                             (|x - c| / scale)^alpha
softplus kink          2     slope_left, slope_right, width, curv     curv x^2/2 + g_-(x - c)
                                                                      + J w softplus((x - c)/w)
log-cosh               3     width                                    w log cosh((x - c) / w)
quartic                4     a2, a4                                   a2 x^2/2 + a4 x^4/4
=====================  ====  =======================================  ==========================

Piece i of x is the number of kinks <= x (``searchsorted(kinks, x, side="right")``); at a
kink the right piece's gradient is used (the power family with alpha = 1 takes sign(0) = 0
at its centre: a single point, never hit by a draw from a continuous distribution). Families 1-3 take their centre c = kinks[0]
(exactly one kink); for the smooth controls (2, 3) that point is only used to count
crossings of the kink they smooth. A crossing is a change of piece index in a position
update, counted with multiplicity |i_new - i_old|.
"""

PIECEWISE_QUADRATIC = 0
POWER = 1
SOFTPLUS_KINK = 2
LOGCOSH = 3
QUARTIC = 4

FAMILY_CODES = {
    "piecewise_quadratic": PIECEWISE_QUADRATIC,
    "power": POWER,
    "softplus_kink": SOFTPLUS_KINK,
    "logcosh": LOGCOSH,
    "quartic": QUARTIC,
}
