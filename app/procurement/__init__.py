"""Procurement: the winners' projects after selection, their support packages, lots bought through the programme
or Prozorro with their contracts and deliveries, milestones up to the opening of the centre, and the dashboard."""
