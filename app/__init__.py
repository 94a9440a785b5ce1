"""ASC Rounds: competitive rounds for Administrative Service Centres in Ukrainian hromadas."""
