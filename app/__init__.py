"""storepulse: store uptime/downtime during business hours, computed in TimescaleDB."""
