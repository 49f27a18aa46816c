"""Strings shown at run time that extraction cannot see in the sources.

Never imported: this file exists so that ``make extract-messages`` puts these
msgids into the catalog (WTForms validation messages rendered through
FAB's ``{{ _(error) }}``, FAB help texts built before translation, and
labels of FAB templates we override).
"""
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

RUNTIME_STRINGS = [
    _l('The user role on the application, this will associate with a list of permissions'),
    _l('The user group on the application, this will associate with a list of roles associated with the group'),
    _l("The user role on the application, this will associate with a list of permissions. <div class='alert alert-warning' role='alert'>AUTH_ROLES_SYNC_AT_LOGIN is enabled, changes to this field will not persist between user logins.</div>"),
    _l("The user group on the application, this will associate with a list of roles associated with the group. <div class='alert alert-warning' role='alert'>AUTH_ROLES_SYNC_AT_LOGIN is enabled, changes to this field will not persist between user logins.</div>"),
    _l('Invalid input.'),
    _l('Invalid email address.'),
    _l('Invalid IP address.'),
    _l('Invalid Mac address.'),
    _l('Invalid URL.'),
    _l('Invalid UUID.'),
    _l('This field cannot be edited.'),
    _l('This field is disabled and cannot have a value.'),
    _l('Not a valid choice.'),
    _l('Invalid Choice: could not coerce.'),
    _l('Invalid choice(s): one or more data inputs could not be coerced.'),
    _l('Not a valid datetime value.'),
    _l('Not a valid date value.'),
    _l('Not a valid time value.'),
    _l('Not a valid week value.'),
    _l('Not a valid integer value.'),
    _l('Not a valid decimal value.'),
    _l('Not a valid float value.'),
    _l('Field must be between %(min)d and %(max)d characters long.'),
    ngettext('Field must be at least %(min)d character long.', 'Field must be at least %(min)d characters long.', 1),
    ngettext('Field cannot be longer than %(max)d character.', 'Field cannot be longer than %(max)d characters.', 1),
    ngettext('Field must be exactly %(max)d character long.', 'Field must be exactly %(max)d characters long.', 1),
    _l('Number must be at least %(min)s.'),
    _l('Number must be at most %(max)s.'),
    _l('Number must be between %(min)s and %(max)s.'),
    _l('Date must be at least %(min)s.'),
    _l('Date must be at most %(max)s.'),
    _l('Date must be between %(min)s and %(max)s.'),
    _l('Field must be equal to %(other_name)s.'),
    _l('Invalid value, must be one of: %(values)s.'),
    _l("Invalid value, can't be any of: %(values)s."),
    ngettext("'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field.", 1),
    _l('OK'),
    _l('Cancel'),
    _l('Month'),
    _l('Year'),
    _l('Activation Email'),
    _l('Follow this link to activate'),
    _l('Provider not supported.'),
    _l('The request to sign in was denied.'),
    _l('You denied the request to sign in.'),
    _l('You are not authorized.'),
    _l('Invalid state signature'),
    _l('Could not determine identity provider.'),
]
