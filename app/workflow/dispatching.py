"""Which agency a case should go to: the suggestion the dispose form preselects.

The rule, in order: the agency suggested by the case's category (or, when it names none,
by its parent categories), then the agency the reporter chose. Inactive agencies are
never suggested. The coordinator sees which rule chose it and may pick another.
"""
RULE_CATEGORY = "category"
RULE_REPORTER = "reporter"
MAX_CATEGORY_DEPTH = 5


def suggested_agency(complaint):
    """``(agency, rule, source)``: the suggested agency, the rule that chose it and the
    category that names it (or ``(None, None, None)``)."""
    category, depth = complaint.category, 0
    while category is not None and depth < MAX_CATEGORY_DEPTH:
        agency = category.suggested_agency
        if agency is not None and agency.active:
            return agency, RULE_CATEGORY, category
        category, depth = category.parent, depth + 1
    agency = complaint.target_agency
    if agency is not None and agency.active:
        return agency, RULE_REPORTER, None
    return None, None, None
