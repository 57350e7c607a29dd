# pragma version 0.4.3
"""
@title constants
@notice Every protocol-wide constant of softliq in one place.
"""

WAD: constant(uint256) = 10**18
IWAD: constant(int256) = 10**18

# Number of bands a position may span.
MIN_TICKS: constant(uint256) = 4
MAX_TICKS: constant(uint256) = 50
MIN_TICKS_INT: constant(int256) = 4
MAX_TICKS_INT: constant(int256) = 50

# Empty bands an exchange may skip over before it stops looking.
MAX_SKIP_TICKS: constant(int256) = 1024

# Virtual shares per band: the share price of a band cannot be pumped.
DEAD_SHARES: constant(uint256) = 1000

# A deposit must put strictly more than this many collateral wei in each band.
MIN_BAND_Y: constant(uint256) = 100

# AMM base-fee bounds (WAD): 1e-12 .. 10%, and never above 4/A.
MIN_FEE: constant(uint256) = 10**6
MAX_FEE: constant(uint256) = 10**17

# Band density A bounds.
MIN_A: constant(uint256) = 10
MAX_A: constant(uint256) = 10000

# Amplification k of the band curve (WAD): the AMM price in a band moves as p_o**k.
# LLAMMA uses k = 3; we allow a gentler curve, which hands arbitrageurs less per oracle step.
MIN_AMPLIFICATION: constant(uint256) = 11 * 10**17
MAX_AMPLIFICATION: constant(uint256) = 3 * 10**18

# Interest: at most ~300% APY, per-second rate in WAD.
MAX_RATE: constant(uint256) = 43959106799

# Oracle-move fee: it decays to zero over a window of seconds after a write (a market
# parameter; LLAMMA fixes 120 s). It only needs to outlast a sandwich of the oracle update;
# a longer window delays conversion, and late conversion makes borrowers sell lower and
# rebuy higher (bench/econ.py measures it).
MIN_ORACLE_FEE_WINDOW: constant(uint256) = 12
MAX_ORACLE_FEE_WINDOW: constant(uint256) = 600
MAX_DYNAMIC_FEE: constant(uint256) = 10**18 - 1

# Away fee (WAD): what the part of a trade that moves a band's price away from the oracle
# price pays (0 turns it off). Honest arbitrage only moves prices toward p_o; a trader who
# buys above p_o (sells below) profits only if p_o moves next, at the borrowers' expense.
MIN_AWAY_FEE: constant(uint256) = 10**6
MAX_AWAY_FEE: constant(uint256) = 5 * 10**17

# Swing fee: oracle reversals are remembered in units of SWING_UNIT (0.001%) of relative
# price move (16 bits each); the fee is SWING_FACTOR times the earlier reversals, at most
# MAX_SWING_FEE. The cap bounds how far conversion can lag in a crash that follows an
# oscillation: about MAX_SWING_FEE / (k - 1) of price.
SWING_UNIT: constant(uint256) = 10**13
MAX_SWING_FACTOR: constant(uint256) = 10**18
MAX_SWING_FEE: constant(uint256) = 10**16
MIN_SWING_TIME: constant(uint256) = 60
MAX_SWING_TIME: constant(uint256) = 86400

# Loan discounts (WAD): 1% <= liquidation_discount < loan_discount <= 50%.
MIN_LIQUIDATION_DISCOUNT: constant(uint256) = 10**16
MAX_LOAN_DISCOUNT: constant(uint256) = 5 * 10**17
# loan_discount - liquidation_discount: a loan opened at max_borrowable starts healthy
MIN_DISCOUNT_GAP: constant(uint256) = 10**15

# Upper bound on any amount kept in a packed band slot.
MAX_AMOUNT: constant(uint256) = 2**128 - 1
# Upper bound on a band after a swap: neither term of its b = sa*y + x/sb (band_math)
# may pass MAX_BAND_SIZE * d through the swap's input coin, which bounds L by ~2.4x
# MAX_BAND_SIZE; so the curve (f + x)(g + y) < 2**226 and every read of the band has
# room for the oracle to move ~1000x (k = 3) before its math could overflow
MAX_BAND_SIZE: constant(uint256) = 2**110
