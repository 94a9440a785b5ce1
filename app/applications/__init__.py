"""Applications: donor programmes and their rounds, the eligibility rules of a round, and the hromadas' applications
from draft to screening (services, rules, pages, API; scoring and procurement build on it)."""
