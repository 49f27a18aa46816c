"""Strings shown at run time that extraction cannot see in the sources.

Never imported: this file exists so that ``make extract-messages`` puts these
msgids into the catalog (WTForms validation messages rendered through
FAB's ``{{ _(error) }}``, FAB help texts built before translation, and
labels of FAB templates we override).
"""
from flask_babel import lazy_gettext as _l

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
