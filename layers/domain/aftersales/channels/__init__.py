"""Channel protocols: verification, decryption, parsing and status mapping, one module per channel.

Pure functions over bytes and dicts; no I/O. Handlers in ``functions/intake_<channel>/``
call them and put the resulting IntakeMessages on the intake queue.
"""
