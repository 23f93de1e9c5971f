"""Sensitivity of the forecast attack rate to the model's parameters: Morris screening and Sobol indices run
as a sweep (`sim sensitivity`), and each estimated parameter moved alone (for the validation report)."""
