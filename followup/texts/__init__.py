"""The texts an agency sends: templates and rendering, editing and versions, files, and which
language a text goes in.
"""
