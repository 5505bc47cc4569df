"""Slack: a leadership team runs a whole assessment in its channel, through slack-bolt.

- `platform`: `SlackPlatform`, what `accord serve` mounts at ``/slack/events`` (or runs over
  Socket Mode), with its bolt `AsyncApp`, Web API client and outbox `Deliverer`.
- `listeners`: the bolt listeners; each turns a slash command, a button or a modal into one
  command for `bot.service.Accord` and answers the person who asked.
- `blocks`: neutral `engine.views.Message`s rendered as Block Kit with `slack_sdk.models.blocks`.
- `delivery`: the outbox's deliverer: post, update in place, direct messages, chart uploads.
- `directory`: who is in a channel, from ``conversations.members`` and ``users.info``.
- `home`: the App Home tab.
- `receipts`: a delivery Slack retries is applied once.
- `client`: the Web API client (base URL, rate-limit retries) and each workspace's token.
- `courier`: a child process that renders and sends voters' private confirmations, off the
  server's core.
- `installations`: OAuth installs and states kept in Accord's database.
- `manifest`: the app manifest printed by ``accord manifest slack``.
"""
