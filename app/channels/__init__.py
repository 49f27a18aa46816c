"""Intake channels: thin adapters turning each input into one lifecycle call.

* ``open311/``: the Open311 GeoReport v2 server (JSON and XML)
* ``messaging.py``: inbound WhatsApp (Cloud API, WAHA, go-whatsapp-web-multidevice) and SMS webhooks
* ``email.py``: e-mail to case over IMAP (a periodic job)
* ``spreadsheet.py``: spreadsheet import (XLSX/CSV) with dry run and a background job
* ``intake.py``: what they share (dedupe of deliveries, reporter lookup by contact, replies)
"""
