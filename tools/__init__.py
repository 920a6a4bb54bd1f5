"""Tools for the people who keep the site (not part of the built site or the Lambda functions)."""
