"""Development stand-ins; never imported by app/."""
