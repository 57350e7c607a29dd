# pragma version 0.4.3
"""
@title price_curves
@notice Price curves of the Dutch auction: the price `dur` seconds after an
        auction started (or was re-priced) at `top`. Pure functions, no state.
          LINEAR       top * (tau - dur) / tau for dur < tau, 0 from dur >= tau
          STAIRSTEP    top * cut**floor(dur / step)
          EXPONENTIAL  top * cut**dur            (cut per second)
        cut is a WAD (0 < cut <= 1e18); tau and step are seconds. Formulas as in
        MakerDAO's abaci (LinearDecrease, StairstepExponentialDecrease,
        ExponentialDecrease); this is an independent implementation.
@dev Rounding: the auction SELLS collateral and the price is what the keeper pays
     per unit, so a higher price favours the protocol. Every rounding is UP, and
     each result is the exact value rounded up (linear) or at most a documented
     error above it (cut**n), never below it. Rounding up keeps both guarantees
     the auction relies on:
       (a) price <= top: every factor is <= 1, and ceil(x * f) <= x for f <= 1;
       (b) price is non-increasing in dur (proof below).
     cut**n is computed at scale S = 1e36 (cut * 1e18 is exact) by right-to-left
     square-and-multiply with mul(x, y) = ceil(x * y / S):
       B_0 = cut * 1e18, B_{k+1} = mul(B_k, B_k);
       P(n) = fold of mul over B_k for the set bits k of n, lowest bit first,
       starting from S (mul(S, x) == x exactly, so the fold starts at the lowest B_k).
     Monotone: mul is non-decreasing in both arguments and mul(x, y) <= x for
       y <= S. From n to n + 1 the t trailing one bits become zeros and bit t
       becomes one; the higher bits are shared and folding them is monotone in the
       start value, so P(n + 1) <= P(n) follows from B_t <= Q_t := fold(B_0..B_{t-1}):
       t = 0: B_0 <= S; t = 1: B_1 = mul(B_0, B_0) <= B_0 = Q_1;
       B_{t+1} = mul(B_t, B_t) <= mul(Q_t, B_t) = Q_{t+1}.
     Error: with e = computed - S * c**n (c = cut / 1e18), mul adds
       e_xy < e_x + e_y + 1 (uses computed y <= S), and B_0 is exact, so the n - 1
       products of the unrolled tree give 0 <= e <= max(n - 1, 0) units of 1e-36.
       The final ceil(top * P / S) adds < 1 wei. So for cut**n curves:
         0 <= price - top * c**n < 1 + (n - 1) * top / 1e36   (n >= 1; exact top at n = 0)
       i.e. at most 1 wei per multiplication for top <= 1e36 (relative < n * 1e-36).
     Overflow: cut**n and top * cut**n never overflow, for any top and dur (top is
       split as q * S + r so no product exceeds top or 1e72). Linear reverts
       (checked math) only when tau >= 2**128.
     Gas (internal call, measured by tests/modules/test_price_curves.py): linear
       ~430; cut**n curves grow with the bit length of n: ~600 at n = 1, ~3.0k at
       one day of seconds (17 bits), ~4.8k at 10 years (29 bits).
     A contract imports it relatively, e.g. from contracts/: `from .modules import
     price_curves`; no `uses:`/`initializes:` (no state).
"""

WAD: constant(uint256) = 10**18

# Curve kinds for _price / _check_params.
LINEAR: constant(uint256) = 0
STAIRSTEP: constant(uint256) = 1
EXPONENTIAL: constant(uint256) = 2

# Longest tau or step accepted by _check_params: 10 years (the tested domain).
MAX_DURATION: constant(uint256) = 10 * 365 * 86400

# Internal scale of cut**n: 1.0 == 1e36 (cut * 1e18 is exact; every value <= _S).
_S: constant(uint256) = 10**36


@internal
@pure
def _pow_up(cut: uint256, n: uint256) -> uint256:
    """
    @notice (cut / 1e18)**n scaled by 1e36, every product rounded up.
    @dev Requires cut <= WAD (the callers check). Result in
         [S * c**n, S * c**n + max(n - 1, 0)] and <= 1e36; non-increasing in n
         (see the module @dev). cut == 0 gives 0**0 == 1e36 and 0 for n >= 1.
    """
    if n == 0:
        return _S
    b: uint256 = unsafe_mul(cut, WAD)  # cut <= 1e18: exact and <= _S
    e: uint256 = n
    # Trailing zero bits of n: square only, so the result starts as b (== mul(S, b)).
    for _: uint256 in range(256):
        if e & 1 == 1:
            break
        b = unsafe_div(unsafe_add(unsafe_mul(b, b), _S - 1), _S)  # round up; b <= _S: < 2**240
        e = e >> 1
    r: uint256 = b
    e = e >> 1
    for _: uint256 in range(256):
        if e == 0:
            break
        b = unsafe_div(unsafe_add(unsafe_mul(b, b), _S - 1), _S)  # round up; b <= _S: < 2**240
        if e & 1 == 1:
            r = unsafe_div(unsafe_add(unsafe_mul(r, b), _S - 1), _S)  # round up; r, b <= _S
        e = e >> 1
    return r


@internal
@pure
def _scale_up(top: uint256, f: uint256) -> uint256:
    """
    @notice ceil(top * f / 1e36) for f <= 1e36, for any top (no overflow).
    @dev top = q * S + r: top * f / S = q * f + r * f / S, q * f <= top, r * f < 1e72.
         The result is <= top.
    """
    q: uint256 = unsafe_div(top, _S)
    r: uint256 = unsafe_sub(top, unsafe_mul(q, _S))  # top % _S
    # round up: the whole product ceil(top * f / S), sum <= top so no overflow.
    return unsafe_add(unsafe_mul(q, f), unsafe_div(unsafe_add(unsafe_mul(r, f), _S - 1), _S))


@internal
@pure
def _linear(top: uint256, tau: uint256, dur: uint256) -> uint256:
    """
    @notice Linear decrease: top * (tau - dur) / tau, rounded up; 0 from dur >= tau.
    @dev Reverts "price_curves: zero tau" for tau == 0. Exact ceiling:
         0 <= result - exact < 1. result == top at dur == 0; non-increasing in dur.
         Checked math: reverts only if tau >= 2**128.
    @param top Start price.
    @param tau Seconds until the price reaches 0.
    @param dur Seconds since the start.
    @return The price, <= top.
    """
    assert tau != 0, "price_curves: zero tau"
    if dur >= tau:
        return 0
    left: uint256 = unsafe_sub(tau, dur)  # dur < tau
    # top = q * tau + r: top * left / tau = q * left + r * left / tau, q * left <= top.
    q: uint256 = unsafe_div(top, tau)  # tau != 0
    r: uint256 = unsafe_sub(top, unsafe_mul(q, tau))  # top % tau
    x: uint256 = r * left  # < tau**2: checked, overflows only for tau >= 2**128
    frac: uint256 = unsafe_div(x, tau)
    if unsafe_sub(x, unsafe_mul(frac, tau)) != 0:
        frac = unsafe_add(frac, 1)  # round up (toward the protocol)
    return unsafe_add(unsafe_mul(q, left), frac)  # == ceil(top * left / tau) <= top


@internal
@pure
def _stairstep_exp(top: uint256, cut: uint256, step: uint256, dur: uint256) -> uint256:
    """
    @notice Stairstep exponential decrease: top * cut**floor(dur / step), rounded up.
    @dev Reverts "price_curves: zero step" for step == 0, "price_curves: cut above 1"
         for cut > 1e18. Constant within a step; non-increasing in dur; <= top;
         0 <= result - exact < 1 + (n - 1) * top / 1e36 with n = floor(dur / step)
         (n >= 1; exactly top for n == 0). cut == 0 is computed as 0**n
         (_check_params rejects it).
    @param top Start price.
    @param cut Factor applied once per completed step, WAD.
    @param step Seconds per step.
    @param dur Seconds since the start.
    @return The price, <= top.
    """
    assert step != 0, "price_curves: zero step"
    assert cut <= WAD, "price_curves: cut above 1"
    # floor(dur / step) is the curve's definition (a step counts once completed).
    return self._scale_up(top, self._pow_up(cut, unsafe_div(dur, step)))  # step != 0


@internal
@pure
def _exponential(top: uint256, cut: uint256, dur: uint256) -> uint256:
    """
    @notice Exponential decrease: top * cut**dur, cut per second, rounded up.
    @dev Reverts "price_curves: cut above 1" for cut > 1e18. result == top at
         dur == 0; non-increasing in dur; <= top;
         0 <= result - exact < 1 + (dur - 1) * top / 1e36 (dur >= 1).
         cut == 0 is computed as 0**dur (_check_params rejects it).
    @param top Start price.
    @param cut Factor per second, WAD.
    @param dur Seconds since the start.
    @return The price, <= top.
    """
    assert cut <= WAD, "price_curves: cut above 1"
    return self._scale_up(top, self._pow_up(cut, dur))


@internal
@pure
def _price(kind: uint256, top: uint256, a: uint256, b: uint256, dur: uint256) -> uint256:
    """
    @notice Price of curve `kind` at `dur` seconds after the start at `top`.
    @dev LINEAR: a = tau. STAIRSTEP: a = cut, b = step. EXPONENTIAL: a = cut.
         Unused parameters are ignored here (_check_params requires them to be 0).
         Reverts "price_curves: unknown curve" for any other kind.
    @param kind LINEAR, STAIRSTEP or EXPONENTIAL.
    @param top Start price.
    @param a First curve parameter.
    @param b Second curve parameter.
    @param dur Seconds since the start.
    @return The price, <= top, non-increasing in dur.
    """
    if kind == LINEAR:
        return self._linear(top, a, dur)
    if kind == STAIRSTEP:
        return self._stairstep_exp(top, a, b, dur)
    if kind == EXPONENTIAL:
        return self._exponential(top, a, dur)
    raise "price_curves: unknown curve"


@internal
@pure
def _check_params(kind: uint256, a: uint256, b: uint256):
    """
    @notice Revert unless (kind, a, b) is a valid curve configuration.
    @dev LINEAR: 0 < tau <= MAX_DURATION, b == 0.
         STAIRSTEP: 0 < cut <= 1e18, 0 < step <= MAX_DURATION.
         EXPONENTIAL: 0 < cut <= 1e18, b == 0.
         cut == 1e18 is allowed (a flat price; the auction's tail re-prices it).
    @param kind LINEAR, STAIRSTEP or EXPONENTIAL.
    @param a tau (LINEAR) or cut (STAIRSTEP, EXPONENTIAL).
    @param b step (STAIRSTEP), else 0.
    """
    if kind == LINEAR:
        assert a != 0, "price_curves: zero tau"
        assert a <= MAX_DURATION, "price_curves: tau too long"
        assert b == 0, "price_curves: unused param not 0"
        return
    assert kind == STAIRSTEP or kind == EXPONENTIAL, "price_curves: unknown curve"
    assert a != 0, "price_curves: zero cut"
    assert a <= WAD, "price_curves: cut above 1"
    if kind == STAIRSTEP:
        assert b != 0, "price_curves: zero step"
        assert b <= MAX_DURATION, "price_curves: step too long"
    else:
        assert b == 0, "price_curves: unused param not 0"
