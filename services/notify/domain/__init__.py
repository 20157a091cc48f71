"""Pure rules of notify: who is told what, in which language, and when to try again.

Nothing here touches the bus, the database, the mail server or the clock: the
handlers load what is known, pass the time in, and store what these functions
decide (architecture rule 2).
"""
