"""The staff screens: the PIN pad, signing in, an owner's approval, the first owner.

* :mod:`.pin_pad` - :class:`PinPad` (big keys, dots, keyboard) and :func:`staff_message`.
* :mod:`.sign_in` - :class:`SignInDialog` ("Masuk kasir"), and :class:`UserPinDialog`, the
  name buttons + PIN pad + check on a worker that the approval shares.
* :mod:`.approve` - :class:`OwnerApproval` ("Perlu persetujuan pemilik") and :func:`ask_owner`.
* :mod:`.first_owner` - :class:`FirstOwnerDialog` ("Buat akun pemilik") and
  :class:`UserFormDialog`, the name + PIN twice form the Settings *Staf* page reuses.

The rules (PIN format, hashing, the five-tries lock) are :mod:`pos_app.staff`; the table is
:mod:`pos_app.storage.staff`. Every database call and PIN hash here runs on a
:class:`~pos_app.ui.tasks.TaskManager` worker, never on the GUI thread.
"""

from pos_app.ui.staff.approve import NotAnOwner, OwnerApproval, ask_owner
from pos_app.ui.staff.first_owner import FirstOwnerDialog, UserFormDialog
from pos_app.ui.staff.pin_pad import PinPad, staff_message
from pos_app.ui.staff.sign_in import SignInDialog, UserPinDialog

__all__ = ["FirstOwnerDialog", "NotAnOwner", "OwnerApproval", "PinPad", "SignInDialog",
           "UserFormDialog", "UserPinDialog", "ask_owner", "staff_message"]
