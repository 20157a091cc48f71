"""Pure rules of identity: PIN shape, SET PIN links, device lock, who may sign which
child where, delegates, cards, phones and provider registration (ID-1..ID-9).

Nothing here touches the bus, the database or the clock: "now" is passed in.
"""
