import mongoengine as me


class Provider(me.Document):
    name = me.StringField(required=True, max_length=200)
    npi = me.StringField(regex=r"^\d{10}$")
    office = me.StringField(max_length=200)
    city = me.StringField(max_length=100)
    program = me.ReferenceField("Program")

    meta = {"collection": "providers", "indexes": ["npi", "name"]}

    def __str__(self):
        return f"{self.name} ({self.city})" if self.city else self.name
