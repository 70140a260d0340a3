"""Pure computation on pandas frames: catalog, periods, roll-ups, trends, progress, wording.

Nothing in this package imports Streamlit or touches files, the network or a database;
every function takes frames (or plain values) and returns new ones.
"""
