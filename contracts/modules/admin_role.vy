# pragma version 0.4.3
"""
@title admin_role
@notice One admin address; the admin may hand the role to another address.
"""

event SetAdmin:
    admin: indexed(address)

admin: public(address)


@deploy
def __init__(admin: address):
    assert admin != empty(address), "admin_role: zero admin"
    self.admin = admin
    log SetAdmin(admin=admin)


@internal
@view
def _check_admin():
    assert msg.sender == self.admin, "Only admin"


@external
def set_admin(admin: address):
    """
    @notice Transfer the admin role to `admin`. Admin only.
    """
    self._check_admin()
    assert admin != empty(address), "Zero admin"
    self.admin = admin
    log SetAdmin(admin=admin)
