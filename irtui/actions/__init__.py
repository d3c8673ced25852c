"""Remediations: declared once, executed through describe -> RBAC -> dry run -> confirm -> run
-> record, always via the guarded clients.
"""
