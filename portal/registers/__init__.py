"""The state registers behind interfaces: the population register (PMLP), the disability register
(VDEĀVK) and the education register (VIIS).

`facts.py` holds what each register says, typed; `base.py` the interfaces; `files.py` the
file-backed registers of the demo and the tests; `http.py` the adapter for the real ones
(docs/registers.md); `service.py` reading them for an application, keeping what they said, and the
legal representations they hold.
"""
