"""Telephony (话务): calls and operators' states from the switch, call figures, missed-call callbacks."""
