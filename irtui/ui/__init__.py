"""The Textual application: panes, screens and styles. Nothing here opens a socket; data
arrives from sources as messages and intents leave through the actions package.
"""
