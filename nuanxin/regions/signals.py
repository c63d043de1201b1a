"""What the regions app tells the apps above it.

`audited` carries an audit record of a write to the region tree (a file
import, a grid added from a page). The regions app sits below the audit app and
cannot call it; the audit app's receivers record it, in the sender's
transaction. Its keyword arguments are `audit_record`'s (user, action, obj or
object_type/object_id/object_repr, changes, request, reason).
"""

from django.dispatch import Signal

audited = Signal()
