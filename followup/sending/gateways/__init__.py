"""SMS gateways behind one small interface (``base.SmsGateway``): Twilio, and the local outbox."""
