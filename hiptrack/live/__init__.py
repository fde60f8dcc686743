"""`hiptrack live`: coach an exercise from a webcam (or a file played at real-time pace).

* :mod:`hiptrack.live.source` -- newest-frame-wins camera / paced file, camera error messages;
* :mod:`hiptrack.live.coach` -- setup go/no-go, sets, rest, side switches, throttled cues (pure);
* :mod:`hiptrack.live.overlay` -- the window's picture;
* :mod:`hiptrack.live.loop` -- the loop itself, the event log and the session written at the end.
"""

from __future__ import annotations
