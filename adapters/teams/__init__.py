"""Microsoft Teams: Accord in a Teams channel, through botbuilder and msal.

The modules, from the wire inwards:

    platform.py    `TeamsPlatform`: mounts /api/messages and the chart images on `accord serve`
    connector.py   authentication (JWT in, tokens out) and connector clients built once
    bot.py         the `TeamsActivityHandler`: translates activities into Accord's commands
    directory.py   identities, conversations and the channel's roster (paged members API)
    cards.py       neutral messages rendered as Adaptive Cards 1.5 (Universal Actions)
    images.py      chart images (and report downloads) at unguessable, expiring URLs; small charts inline
    references.py  conversation references, recorded as activities arrive, for proactive messages
    delivery.py    the outbox's `Deliverer`: proactive messages through stored references
    views.py       one member's own view of a question card (the "refresh" Universal Action)
    graph.py       msal + Microsoft Graph: members' time zones and working hours
    manifest.py    the Teams app package (`accord manifest teams`)

Nothing here computes a statistic or touches a table: the use cases live in `bot/`, the
privacy rules in `engine/`, the references' storage in `storage/teams_tables.py`.
"""
