import mongoengine as me


class Provider(me.Document):
    name = me.StringField(required=True, max_length=200)
    npi = me.StringField(regex=r"^\d{10}$")
    office = me.StringField(max_length=200)
    city = me.StringField(max_length=100)
    program = me.ReferenceField("Program")
    # Repeat-complaint watch: set when Level I records pile up; a person clears it.
    review_flag = me.BooleanField(default=False)
    review_flag_reason = me.StringField(max_length=300)
    flagged_at = me.DateTimeField()

    meta = {"collection": "providers", "indexes": ["npi", "name"]}

    def __str__(self):
        return f"{self.name} ({self.city})" if self.city else self.name
