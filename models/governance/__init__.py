"""Records the school's policies ask for in writing.

* :mod:`models.governance.relationships`: staff's pre-existing relationships with a pupil
  or a family, discussed with the DSL (mobile technology policy 5; social media policy 4.2);
* :mod:`models.governance.policies`: the school's policies, their review dates (policy 8;
  online safety 3) and staff's acknowledgements of them (social media policy 4).
"""
