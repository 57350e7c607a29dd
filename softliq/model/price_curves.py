"""Integer-exact port of contracts/modules/price_curves.vy (Dutch auction price curves)."""

from __future__ import annotations

from softliq.model.wad_math import WAD, ModelRevert, require

LINEAR = 0
STAIRSTEP = 1
EXPONENTIAL = 2
_S = 10**36


def pow_up(cut: int, n: int) -> int:
    """(cut/1e18)**n scaled by 1e36, every product rounded up."""
    if n == 0:
        return _S
    b = cut * WAD
    e = n
    while not e & 1:
        b = (b * b + _S - 1) // _S
        e >>= 1
    r = b
    e >>= 1
    while e:
        b = (b * b + _S - 1) // _S
        if e & 1:
            r = (r * b + _S - 1) // _S
        e >>= 1
    return r


def scale_up(top: int, f: int) -> int:
    """ceil(top * f / 1e36) split as the contract does (same value)."""
    q, r = divmod(top, _S)
    return q * f + (r * f + _S - 1) // _S


def linear(top: int, tau: int, dur: int) -> int:
    """top * (tau - dur) / tau rounded up; 0 from dur >= tau."""
    require(tau != 0, "price_curves: zero tau")
    if dur >= tau:
        return 0
    left = tau - dur
    q, r = divmod(top, tau)
    x = r * left
    frac = x // tau
    if x - frac * tau:
        frac += 1
    return q * left + frac


def price(kind: int, top: int, a: int, b: int, dur: int) -> int:
    """price_curves._price."""
    if kind == LINEAR:
        return linear(top, a, dur)
    if kind == STAIRSTEP:
        require(b != 0, "price_curves: zero step")
        require(a <= WAD, "price_curves: cut above 1")
        return scale_up(top, pow_up(a, dur // b))
    if kind == EXPONENTIAL:
        require(a <= WAD, "price_curves: cut above 1")
        return scale_up(top, pow_up(a, dur))
    raise ModelRevert("price_curves: unknown curve")


def check_params(kind: int, a: int, b: int) -> None:
    """price_curves._check_params."""
    max_duration = 10 * 365 * 86400
    if kind == LINEAR:
        require(a != 0, "price_curves: zero tau")
        require(a <= max_duration, "price_curves: tau too long")
        require(b == 0, "price_curves: unused param not 0")
        return
    require(kind in (STAIRSTEP, EXPONENTIAL), "price_curves: unknown curve")
    require(a != 0, "price_curves: zero cut")
    require(a <= WAD, "price_curves: cut above 1")
    if kind == STAIRSTEP:
        require(b != 0, "price_curves: zero step")
        require(b <= max_duration, "price_curves: step too long")
    else:
        require(b == 0, "price_curves: unused param not 0")
