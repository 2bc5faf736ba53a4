"""The patient portal: accounts (invitations, password reset, disabling) and proxy access."""
