"""The seed recipe's steps, one module each; recipe.py says in which order they run."""
