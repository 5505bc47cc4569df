"""Accord's domain: frameworks, assessments, rounds, disagreement and scoring.

Pure Python. Nothing here reads a clock, a file, a socket or a database, and nothing here
knows what Slack or Teams is: time is passed in, results are returned.
"""
