"""The public contract: every body that crosses the bus, as pydantic models.

`../shared/contract.md` is the promise to the outside; these models are its
executable form, and the AsyncAPI document is generated from them.
"""
