"""The server-rendered pages of rounds and applications, one module per screen group: the hromada leader's application
pages, the round list and round page, the staff's round set-up, and the staff's screening queue with its exports."""
