"""Whether, and when, a caller gets a text: the ordered rules, the sensitive call types, send
timing, each number's standing.
"""
