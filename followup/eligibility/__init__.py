"""Whether, and when, a caller gets a text: the ordered rules, the sensitive call types, quiet
hours, each number's standing.
"""
