app-name = Veche
