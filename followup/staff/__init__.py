"""Staff: accounts, roles and sign-in, and the audit trail of what they did."""
