"""The running set of supervised sessions and every operation on them; knows nothing of Textual."""
